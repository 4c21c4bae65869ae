curl 'https://api.notion.com/v1/blocks/005923da-b39f-4af6-bbd1-1be98150d2b2' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'

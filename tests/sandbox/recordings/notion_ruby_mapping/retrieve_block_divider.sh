curl 'https://api.notion.com/v1/blocks/e34f7164453548fd9c491d320f77bda2' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'

curl 'https://api.notion.com/v1/blocks/8eba490bcc8343849cb09a739a4be91c' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
